"""A bag of names: first() against clear() (first() borrows the item clear() drops)."""
import race_borrowed

from ftkit.stress import Scenario, ints

scenario = Scenario(race_borrowed.Bag)


@scenario.op(args=[ints(0, 9)])
def add(bag, n):
    bag.add(n)


scenario.op(lambda bag: bag.clear(), name="clear")
scenario.op(lambda bag: bag.first(), mutates=False, name="first")
