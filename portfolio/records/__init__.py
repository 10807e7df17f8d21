"""Evidence written for a candidate by someone else: observation records and witness testimonies."""
