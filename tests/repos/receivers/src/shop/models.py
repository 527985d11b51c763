"""Models: managers as class attributes, an override of save."""

from shop.fields import Field
from shop.managers import ArchivedManager, Manager


class Model:
    objects = Manager()
    archived: ArchivedManager = ArchivedManager()

    def save(self):
        return self


class Order(Model):
    total = Field(default=0)

    def save(self):
        self.total.get_default()
        return super().save()


class Item(Model):
    pass
