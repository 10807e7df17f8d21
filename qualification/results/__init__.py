"""What a candidate has achieved: module and criterion results, transcripts and the cohort report."""
