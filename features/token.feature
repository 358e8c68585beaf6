Feature: Token recreation
  Creating again with the same email, or the same phone and countryCode,
  gives the same registration a new token.

  @fact:token.recreate-email @must
  Scenario: recreate with the same email
    Given a registration created with an email
    When I create the same registration again
    Then the response status is the documented success status
    And the token is new

  @fact:token.recreate-phone @must
  Scenario: recreate with the same phone
    Given a registration created with a phone
    When I create the same registration again
    Then the response status is the documented success status
    And the token is new

  @fact:token.recreate-same-registration @should
  Scenario: the recreated token belongs to the same registration
    Given a registration created with an email
    When I create the same registration again
    Then the registration is the one created before
