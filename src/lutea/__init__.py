"""lutea: progesterone balancing, as decision support with every statement sourced."""

__version__ = "0.1.0"
