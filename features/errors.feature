Feature: Error bodies
  Validation errors have one documented shape and status.

  Background:
    Given a valid registration request with an email
    But the request has no "email"
    When I create the registration

  @fact:error.envelope @must
  Scenario: the error envelope
    Then the error body has the documented envelope

  @fact:error.http-409 @must
  Scenario: validation errors are HTTP 409
    Then the HTTP status is the documented validation status

  @fact:error.status-consistent @must
  Scenario: the body's status is the HTTP status
    Then the body's status equals the HTTP status
