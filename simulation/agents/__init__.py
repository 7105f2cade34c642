"""Mesa agents: youth and returnees (views of the person state), employers, training centres."""

from simulation.agents.employer import Employer
from simulation.agents.person import Person, Returnee, Youth
from simulation.agents.training_centre import TrainingCentre

__all__ = ["Employer", "Person", "Returnee", "TrainingCentre", "Youth"]
