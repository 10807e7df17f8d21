"""Accreditation of prior learning: claims against criteria, outcomes or modules, within the award's cap."""
