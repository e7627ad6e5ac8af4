"""Pages for procurement: plans, tenders, contracts and deliveries, suppliers, cycle times.

Thin, like every page of Spilno: forms for shape, one service call per POST, selectors for every
read (bids only through ``selectors.bids_for``). Buttons and forms appear only when the reader
may use them; the services check again and have the last word."""
