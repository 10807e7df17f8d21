"""Assessment in the candidate's school: observations planned, recorded and signed; competence sign-off."""
