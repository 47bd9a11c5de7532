"""Pure numeric risk core: arrays in, arrays (or frozen dataclasses of arrays) out.

Everything here is vectorised across securities (columns of a time x assets array) and
across portfolios (rows of a portfolios x assets weight matrix). No I/O, no clock.
"""
