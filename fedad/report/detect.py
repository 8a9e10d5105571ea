"""REPORT.md's detection part (Figs. 5–6): which detection sections it shows, on which runs, in which order.
Each section lives in its own module; this one only puts them together."""

from __future__ import annotations

import pandas as pd

from fedad.report.attribution import attribution_table
from fedad.report.convergence import convergence_section
from fedad.report.detection_tables import results_section
from fedad.report.eq9 import eq9_section
from fedad.report.equal_conditions import equal_conditions_section
from fedad.report.event_profile import event_profile_section
from fedad.report.federation_controls import controls_section
from fedad.report.label_audit import label_audit_section
from fedad.report.protocol import protocol_section
from fedad.report.skill import skill_section
from fedad.report.threshold_rules import threshold_rule_section
from fedad.results.tables import protocol_runs


def detection_sections(frame: pd.DataFrame) -> list[str]:
    """Every detection section of REPORT.md in order: the sections of the headline runs read the stated
    protocol's runs; the gap-attribution controls (skill, attribution, event profile, Eq. 9) read every run
    and follow the Controls section."""
    base = protocol_runs(frame)
    return [*protocol_section(base), *results_section(base), *skill_section(frame),
            *label_audit_section(base), *threshold_rule_section(base), *controls_section(base),
            *attribution_table(frame), *event_profile_section(frame), *eq9_section(frame),
            *equal_conditions_section(base), *convergence_section(base)]
