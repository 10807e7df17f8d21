"""The study planner: activities that fit tonight's minutes (pure rules), and the study-time log."""
