"""The public catalogue of published qualifications and their awards."""
