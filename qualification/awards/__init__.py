"""The award (tier) editor of draft versions: details, compulsory modules, option groups, progression."""
