// The tests that sample real processes each keep a core busy; run one at a time so they do not starve each other.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
