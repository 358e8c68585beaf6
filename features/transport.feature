Feature: Transport and authentication
  Every endpoint speaks JSON, requires the bearer token, and never answers
  with a server error, whatever it is sent.

  @fact:auth.bearer-required @must
  Scenario: create without a token
    Given a valid registration request with an email
    When I create the registration without a token
    Then the request does not succeed
    And the refusal status is recorded

  @fact:auth.bearer-required @must
  Scenario: create with a wrong token
    Given a valid registration request with an email
    When I create the registration with the token "not-the-token"
    Then the request does not succeed

  @fact:auth.bearer-required @must
  Scenario: list without a token
    When I list the registrations without a token
    Then the request does not succeed

  @fact:http.json @must
  Scenario: a successful create answers JSON
    Given a valid registration request with an email
    When I create the registration
    Then the response body is JSON
    And the response Content-Type is JSON

  @fact:http.json @must
  Scenario: a refused create answers JSON
    Given a valid registration request with an email
    But the request has no "project"
    When I create the registration
    Then the response body is JSON
    And the response Content-Type is JSON

  @fact:http.no-server-error @must
  Scenario Outline: malformed input is not a server error (<case>)
    When I send the raw body <body> to create
    Then the response is not a server error
    And the response body is JSON

    Examples:
      | case             | body                                  |
      | truncated-json   | {"project": "p", "projectFlow":       |
      | not-json         | hello there                           |
      | json-array       | [1, 2, 3]                             |
      | json-string      | "just a string"                       |
      | json-null        | null                                  |
      | empty-body       |                                       |
      | wrong-types      | {"project": 1, "projectFlow": [], "email": {}} |
      | null-fields      | {"project": null, "projectFlow": null, "email": null} |
      | nested           | {"project": {"a": {"b": {"c": [[[[[]]]]]}}}} |
      | odd-unicode      | {"project": "p", "projectFlow": "f", "email": "\\u0000@\\ud800.test", "fullName": "\\u202eevil"} |

  @fact:http.no-server-error @must
  Scenario: names in any script are not a server error
    Given a valid registration request with an email
    But the request has "fullName" set to "Zoë Ñúñez 🦀 مرحبا שלום"
    When I create the registration
    Then the response is not a server error

  @fact:http.no-server-error @must
  Scenario: a very long name is not a server error
    Given a valid registration request with an email
    But the request has "fullName" of 10000 characters
    When I create the registration
    Then the response is not a server error
