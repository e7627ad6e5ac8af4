"""Procurement records (DESIGN §3): plans, tenders, bids, awards, contracts, deliveries."""

from spilno.procurement.models.bids import Bid, BidVersion
from spilno.procurement.models.contracts import (
    Amendment,
    Contract,
    ContractItem,
    Delivery,
    DeliveryLine,
    NonConformanceClaim,
)
from spilno.procurement.models.tenders import (
    Award,
    Complaint,
    Item,
    Lot,
    ProcurementPlan,
    Question,
    SupplierQualification,
    Tender,
    TenderDocument,
    TenderEvent,
)

__all__ = [
    "Amendment",
    "Award",
    "Bid",
    "BidVersion",
    "Complaint",
    "Contract",
    "ContractItem",
    "Delivery",
    "DeliveryLine",
    "Item",
    "Lot",
    "NonConformanceClaim",
    "ProcurementPlan",
    "Question",
    "SupplierQualification",
    "Tender",
    "TenderDocument",
    "TenderEvent",
]
