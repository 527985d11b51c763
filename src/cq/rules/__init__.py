"""ast-grep rule objects, below everything that runs them: the parts of a rule as data
(`spec`), the builders that turn them into ast-grep config objects and the check that rejects a
bad one (`build`), and the words a file must contain for a rule to match in it (`literals`, the
text prefilter). The `q` language (`cq.query`) and the hazard registry (`cq.hazards`) both
build their rules here; neither knows the other.
"""
