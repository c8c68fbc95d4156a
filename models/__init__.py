"""The domain of Polku: clients, placements, providers, funding pools, rules, allocations."""

from models.allocation import Allocation, Assignment, PoolUse, Unassigned
from models.entities import Client, Decision, FundingPool, Placement, Provider
from models.instance import FORMAT_VERSION, Instance
from models.rules import Rules, RulesError
from models.weights import Weights, WeightsError

__all__ = [
    "Allocation",
    "Assignment",
    "Client",
    "Decision",
    "FORMAT_VERSION",
    "FundingPool",
    "Instance",
    "Placement",
    "PoolUse",
    "Provider",
    "Rules",
    "RulesError",
    "Unassigned",
    "Weights",
    "WeightsError",
]
