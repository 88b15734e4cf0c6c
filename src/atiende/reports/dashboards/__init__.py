"""The desk's dashboards: the team lead's and manager's overview (`dashboard`) and the
agent's home (`agent_home`). Reads in selectors.py (each panel one aggregate query over the
ticket facts or the SLA clocks), pages in views.py, the SVG drawings in charts.py."""
