"""ApiKey, ApiUsage and ApiStoreOptions, taken over from ``konigle_bg`` with their tables.

``konigle_bg.0008`` made the tables and ``konigle_bg.0011`` took the models out of that app's
state; here they enter this app's state under the same table names. A table that exists is
adopted as it is, rows and all; one that does not (a database whose history never made it) is
created. Content types (and so the permissions and admin history that point at them) move
with the models. Going back leaves the tables and their rows where they are.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from konigle_bg.host import model_label

STORE_MODEL = model_label("STORE_MODEL")
MODELS = ("apikey", "apiusage", "apistoreoptions")


class AdoptOrCreateModel(migrations.CreateModel):
    """CreateModel over a table that may exist already: then only the state changes."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        model = to_state.apps.get_model(app_label, self.name)
        if model._meta.db_table in schema_editor.connection.introspection.table_names():
            return
        super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        pass  # the rows stay: they were konigle_bg's before this app existed


def move_content_types(apps, schema_editor, old="konigle_bg", new="konigle_bg_removebg"):
    try:
        content_type = apps.get_model("contenttypes", "ContentType")
    except LookupError:  # a project without django.contrib.contenttypes
        return
    types = content_type.objects.using(schema_editor.connection.alias)
    for model in MODELS:
        if not types.filter(app_label=new, model=model).exists():
            types.filter(app_label=old, model=model).update(app_label=new)


def move_content_types_back(apps, schema_editor):
    move_content_types(apps, schema_editor, old="konigle_bg_removebg", new="konigle_bg")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('konigle_bg', '0011_api_models_to_removebg'),
        migrations.swappable_dependency(STORE_MODEL),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        AdoptOrCreateModel(
            name='ApiKey',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(help_text='What uses it (an app, a script).', max_length=80)),
                ('prefix', models.CharField(editable=False, max_length=16)),
                ('key_hash', models.CharField(editable=False, max_length=64, unique=True)),
                ('monthly_credits', models.FloatField(blank=True, null=True)),
                ('rate_limit', models.PositiveIntegerField(blank=True, null=True)),
                ('created', models.DateTimeField(auto_now_add=True)),
                ('revoked', models.DateTimeField(blank=True, null=True)),
                ('last_used', models.DateTimeField(blank=True, null=True)),
                ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('store', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='bg_api_keys', to=STORE_MODEL)),
            ],
            options={
                'verbose_name': 'API key',
                'db_table': 'konigle_bg_apikey',
                'ordering': ['store', '-created'],
            },
        ),
        AdoptOrCreateModel(
            name='ApiStoreOptions',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('keep_results', models.BooleanField(default=False, help_text='Keep each result for a day and return a signed URL to it.')),
                ('store', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='bg_api_options', to=STORE_MODEL)),
            ],
            options={
                'verbose_name': 'API options',
                'verbose_name_plural': 'API options',
                'db_table': 'konigle_bg_apistoreoptions',
            },
        ),
        AdoptOrCreateModel(
            name='ApiUsage',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('status', models.PositiveSmallIntegerField()),
                ('error_code', models.CharField(blank=True, max_length=40)),
                ('credits', models.FloatField(default=0)),
                ('width', models.PositiveIntegerField(blank=True, null=True)),
                ('height', models.PositiveIntegerField(blank=True, null=True)),
                ('duration_ms', models.PositiveIntegerField(blank=True, null=True)),
                ('created', models.DateTimeField(auto_now_add=True, db_index=True)),
                ('key', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='usage', to='konigle_bg_removebg.apikey')),
                ('store', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to=STORE_MODEL)),
                ('user', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'API call',
                'db_table': 'konigle_bg_apiusage',
                'ordering': ['-created', '-pk'],
                'indexes': [models.Index(fields=['key', 'created'], name='konigle_bg__key_id_6cff28_idx'), models.Index(fields=['store', 'created'], name='konigle_bg__store_i_922e8c_idx')],
            },
        ),
        migrations.RunPython(move_content_types, move_content_types_back, elidable=False),
    ]
