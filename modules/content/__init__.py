"""A module's study content: sections, activities and knowledge-check questions."""
