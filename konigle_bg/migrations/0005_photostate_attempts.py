from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("konigle_bg", "0004_theme_background_validator"),
    ]

    operations = [
        migrations.AddField(
            model_name="photostate",
            name="attempts",
            field=models.PositiveSmallIntegerField(default=0),
        ),
    ]
