"""Figures of the paper (and Figs. 8-10) redrawn from saved results only, never training:
``fedad figures fig4`` writes ``figures/out/fig4.{png,pdf}``. Each name in :data:`FIGURES` is a module here
whose ``draw(results, out)`` returns the paths it wrote."""

FIGURES = ("table1", "fig4", "fig5", "fig5b", "fig6", "fig7", "fig8", "fig9", "fig10")
