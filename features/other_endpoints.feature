Feature: List, retrieve and sync
  The overview documents three more endpoints over the same registrations.

  @fact:list.ok @must
  Scenario: list answers 200 with JSON
    When I list the registrations
    Then the endpoint answers as documented

  @fact:list.contains-created @should
  Scenario: a new registration is in the list
    Given no other request is in flight
    And a registration created with an email
    When I list the registrations
    Then the list contains the created registration

  @fact:retrieve.ok @must
  Scenario: retrieve a registration
    Given a registration created with an email
    When I retrieve the created registration
    Then the endpoint answers as documented
    And the retrieved registration is the created one

  @fact:retrieve.unknown @should
  Scenario: retrieve an unknown id
    When I retrieve the registration "000000000000000000000000"
    Then the request does not succeed

  @fact:sync.ok @must
  Scenario: sync a registration
    Given a registration created with an email
    When I sync the created registration
    Then the endpoint answers as documented

  @fact:overview.object-shape @observe
  Scenario: retrieve answers the overview's object
    Given a registration created with an email
    When I retrieve the created registration
    Then the answer holds the overview's object shape
