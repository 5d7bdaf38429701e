import konigle_bg.validators
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("konigle_bg", "0003_photostate_generation"),
    ]

    operations = [
        migrations.AlterField(
            model_name="backgroundtheme",
            name="background_image",
            field=models.FileField(
                blank=True, max_length=255, validators=[konigle_bg.validators.validate_photo]
            ),
        ),
    ]
