"""What changed between two versions of a qualification, and the page that shows it."""
