Feature: Create an app registration: what the request must hold
  POST /v2/app-registrations takes project and projectFlow, and an email or
  a phone with its countryCode.

  @fact:create.project-required @must
  Scenario: project is missing
    Given a valid registration request with an email
    But the request has no "project"
    When I create the registration
    Then the API refuses it as the docs say

  @fact:create.project-flow-required @must
  Scenario: projectFlow is missing
    Given a valid registration request with an email
    But the request has no "projectFlow"
    When I create the registration
    Then the API refuses it as the docs say

  @fact:create.invalid-project-flow @observe
  Scenario: projectFlow names no known flow
    Given a valid registration request with an email
    But the request has "projectFlow" set to "no-such-flow-000"
    When I create the registration
    Then the API refuses it as the docs say

  @fact:create.contact-required @must
  Scenario: neither email nor phone
    Given a valid registration request with an email
    But the request has no "email"
    When I create the registration
    Then the API refuses it as the docs say

  @fact:create.contact-either @must
  Scenario: email alone
    Given a valid registration request with an email
    When I create the registration
    Then the registration is accepted

  @fact:create.contact-either @must
  Scenario: phone with countryCode alone
    Given a valid registration request with a phone
    When I create the registration
    Then the registration is accepted

  @fact:create.contact-either @must
  Scenario: both email and phone
    Given a valid registration request with an email and a phone
    When I create the registration
    Then the registration is accepted

  @fact:create.country-code-required @must
  Scenario: phone without countryCode
    Given a valid registration request with a phone
    But the request has no "countryCode"
    When I create the registration
    Then the API refuses it as the docs say

  @fact:create.country-code-format @should
  Scenario Outline: malformed countryCode (<case>)
    Given a valid registration request with a phone
    But the request has "countryCode" set to "<code>"
    When I create the registration
    Then the API refuses it as the docs say

    Examples:
      | case         | code  |
      | no-plus      | 57    |
      | four-digits  | +1234 |
      | letters      | +AB   |
      | plus-only    | +     |

  @fact:create.phone-digits @should
  Scenario Outline: phone that is not digits only (<case>)
    Given a valid registration request with a phone
    But the request has "phone" set to "<phone>"
    When I create the registration
    Then the API refuses it as the docs say

    Examples:
      | case    | phone        |
      | spaces  | 300 555 0101 |
      | dashes  | 300-555-0101 |
      | plus    | +3005550101  |
      | letters | 300555CALL   |

  @fact:create.email-domain @must @needs:blocked-email-domain
  Scenario: an email domain the project does not allow
    Given a valid registration request with an email
    But the email is at the blocked domain
    When I create the registration
    Then the API refuses it as the docs say

  @fact:create.full-name-optional @must
  Scenario: no fullName
    Given a valid registration request with an email
    But the request has no "fullName"
    When I create the registration
    Then the API decides on the request as the docs say

  @fact:create.first-last-name @must
  Scenario: firstName and lastName instead of fullName
    Given a valid registration request with an email
    But the request has no "fullName"
    And the request has "firstName" set to "Mariana"
    And the request has "lastName" set to "Ríos"
    When I create the registration
    Then the API decides on the request as the docs say
    And the names sent are taken

  @fact:create.language-default @must
  Scenario: language is not sent
    Given a valid registration request with an email
    But the request has no "language"
    When I create the registration
    Then the registration's language is the documented default
