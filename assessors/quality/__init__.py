"""Internal quality assurance: the sampling plan and its rules, coverage, the IQA's review and work list."""
