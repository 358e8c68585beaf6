Feature: Create an app registration: what a success looks like
  A successful create answers 200 with the registration and a token.

  Background:
    Given a valid registration request with an email and a phone
    And the request has "language" set to "es"
    When I create the registration

  @fact:create.success-status @must
  Scenario: the success status
    Then the response status is the documented success status

  @fact:create.envelope @must
  Scenario: the success envelope
    Then the response has the documented success envelope

  @fact:create.registration-fields @must
  Scenario: the registration's fields
    Then the registration has the documented fields

  @fact:create.initial-status @must
  Scenario: the initial status
    Then the registration's status is the documented initial status

  @fact:create.current-step @should
  Scenario: the current step
    Then the registration's current step is the documented one

  @fact:create.echo @must
  Scenario: the request comes back as sent
    Then the registration echoes what was sent

  @fact:create.information-validation @must
  Scenario: informationValidation holds the names
    Then the response holds the documented informationValidation
    And the full name is split into first and last name

  @fact:create.token-jwt @must
  Scenario: the token is a JWT
    Then the token is a JWT

  @fact:create.timestamps @must
  Scenario: the timestamps
    Then createdAt and updatedAt are ISO-8601 UTC timestamps
    And the timestamp precision is recorded

  @fact:create.id-format @observe
  Scenario: the id style
    Then the id style is recorded

  @fact:create.legacy-request-meta @observe
  Scenario: request metadata on the record
    Then the record carries the documented request metadata
