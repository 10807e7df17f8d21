"""A candidate over the year: breaks in learning, withdrawal and transfer to another cohort."""
