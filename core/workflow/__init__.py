"""Routing and processing of dossiers after the desk (Decree 61/2018 processing rules).

- :mod:`.definitions`: workflow step lists, versions, unit selectors
- :mod:`.deadlines`: working-time arithmetic for step deadlines and supplement pauses
- :mod:`.authorization`: who may act on a dossier at its current step
- :mod:`.actions`: the routing functions (claim, forward, approve, ...)
- :mod:`.queues`, :mod:`.control`, :mod:`.overdue`: queues, control slip, overdue check
"""
