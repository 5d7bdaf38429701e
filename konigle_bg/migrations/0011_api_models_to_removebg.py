"""ApiKey, ApiUsage and ApiStoreOptions moved to the ``konigle_bg.removebg`` app.

State only: the tables stay, with their rows, for ``konigle_bg_removebg.0001`` to take over
(it keeps their names through ``db_table``). A shop without that app keeps the tables as they
are (empty on a fresh install, since 0008 still makes them); nothing reads them.
"""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('konigle_bg', '0010_job_corrections'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name='ApiUsage'),
                migrations.DeleteModel(name='ApiStoreOptions'),
                migrations.DeleteModel(name='ApiKey'),
            ],
            database_operations=[],
        ),
    ]
