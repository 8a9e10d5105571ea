"""The experiment scripts, as thin entry points over :mod:`fedad.experiments` (where the code and the
configs live, so that an installed fedad runs them from any folder): ``python -m reproduce.detect`` is
``fedad run detect``."""
