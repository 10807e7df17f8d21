"""After marking: routing by the sampling plan, IQA review, release to the candidate, reopening."""
