"""The candidate's whole portfolio as an offline zip."""
