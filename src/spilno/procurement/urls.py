from django.urls import path

from spilno.procurement.views import contracts, plans, suppliers, tenders

app_name = "procurement"
T = "tenders/<int:pk>/"
C = "contracts/<int:pk>/"
urlpatterns = [
    # plans
    path("plans/", plans.plan_list, name="plan-list"),
    path("plans/new/", plans.plan_create, name="plan-create"),
    path("plans/<int:pk>/", plans.plan_detail, name="plan-detail"),
    path("plans/<int:pk>/approve/", plans.plan_approve, name="plan-approve"),
    # tenders
    path("tenders/", tenders.tender_list, name="tender-list"),
    path("tenders/new/", tenders.tender_create, name="tender-create"),
    path("tenders/new/lot-values/", tenders.tender_lot_values, name="tender-lot-values"),
    path(T, tenders.tender_detail, name="tender-detail"),
    path(T + "edit/", tenders.tender_edit, name="tender-edit"),
    path(T + "publish/", tenders.tender_publish, name="tender-publish"),
    path(T + "cancel/", tenders.tender_cancel, name="tender-cancel"),
    path(T + "open/", tenders.tender_open, name="tender-open"),
    path(T + "award/", tenders.tender_award, name="tender-award"),
    path(T + "documents/", tenders.tender_document_add, name="tender-document-add"),
    path(T + "documents/<int:doc>/", tenders.tender_document, name="tender-document"),
    path(T + "questions/", tenders.tender_ask, name="tender-ask"),
    path(T + "questions/<int:question>/answer/", tenders.question_answer, name="question-answer"),
    path(T + "bids/", tenders.tender_bid, name="tender-bid"),
    path(T + "bids/<int:bid>/withdraw/", tenders.bid_withdraw, name="bid-withdraw"),
    path(T + "bids/<int:bid>/qualify/", tenders.bid_qualify, name="bid-qualify"),
    path(
        T + "bids/<int:bid>/documents/<int:index>/",
        tenders.bid_document_download,
        name="bid-document",
    ),
    path(T + "complaints/", tenders.tender_complain, name="tender-complain"),
    path(
        T + "complaints/<int:complaint>/decide/",
        tenders.complaint_decide,
        name="complaint-decide",
    ),
    # contracts and deliveries
    path("contracts/", contracts.contract_list, name="contract-list"),
    path(C, contracts.contract_detail, name="contract-detail"),
    path(C + "sign/", contracts.contract_sign, name="contract-sign"),
    path(C + "amend/", contracts.contract_amend, name="contract-amend"),
    path(C + "terminate/", contracts.contract_terminate, name="contract-terminate"),
    path(C + "call-offs/", contracts.contract_call_off, name="contract-call-off"),
    path(C + "deliveries/", contracts.delivery_schedule, name="delivery-schedule"),
    path(C + "deliveries/<int:delivery>/ship/", contracts.delivery_ship, name="delivery-ship"),
    path(
        C + "deliveries/<int:delivery>/receive/",
        contracts.delivery_receive,
        name="delivery-receive",
    ),
    path(
        C + "deliveries/<int:delivery>/accept/", contracts.delivery_accept, name="delivery-accept"
    ),
    path(
        C + "deliveries/<int:delivery>/reject/", contracts.delivery_reject, name="delivery-reject"
    ),
    path(C + "claims/<int:claim>/resolve/", contracts.claim_resolve, name="claim-resolve"),
    # suppliers and metrics
    path("suppliers/", suppliers.register, name="register"),
    path("suppliers/qualify/", suppliers.supplier_qualify, name="supplier-qualify"),
    path("suppliers/<int:pk>/", suppliers.supplier_detail, name="supplier-detail"),
    path("cycle-times/", suppliers.cycle_times, name="cycle-times"),
]
