"""The table of applied roster imports."""
import json

import peewee

from models.db import BaseModel, utcnow
from models.school.tables import User


class ImportRun(BaseModel):
    """One applied import: when, by whom, from which file, and how much it changed."""
    at = peewee.DateTimeField(default=utcnow)
    by = peewee.ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    source = peewee.CharField(max_length=200)
    format = peewee.CharField(max_length=20)
    counts = peewee.TextField()  # JSON: {"children.added": 3, …}

    @property
    def count_dict(self):
        return json.loads(self.counts)
