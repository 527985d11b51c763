"""A hub whose import of spoke waits until a method runs."""


class Hub:
    def spoke(self):
        from loops.lazy import spoke

        return spoke.Spoke()
