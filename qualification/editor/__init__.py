"""The qualification editor: start a draft, and edit a draft's modules, outcomes and criteria."""
