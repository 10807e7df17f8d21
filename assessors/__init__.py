"""Judging: queues, criterion judgements, decisions, observations, sign-off, witness links, IQA, examiners."""
