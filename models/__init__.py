"""SQLAlchemy 2.x ORM classes: the schema of the dashboard, one module per aggregate."""
from models.base import Base
from models.catalogue import Brand, Campaign, Product
from models.imports import AuditEvent, DataState, ImportBatch
from models.influencers import Influencer, Post
from models.orders import Order
from models.payouts import Payout
from models.rollups import DailyFact
from models.saved_views import SavedView
from models.users import User, UserBrand, UserSession

__all__ = [
    "AuditEvent", "Base", "Brand", "Campaign", "DailyFact", "DataState", "ImportBatch",
    "Influencer", "Order", "Payout", "Post", "Product", "SavedView", "User", "UserBrand",
    "UserSession",
]
