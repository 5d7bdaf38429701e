from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("konigle_bg", "0002_job"),
    ]

    operations = [
        migrations.AddField(
            model_name="photostate",
            name="generation",
            field=models.PositiveIntegerField(default=0),
        ),
    ]
