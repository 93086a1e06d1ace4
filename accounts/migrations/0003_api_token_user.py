import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def forget_unusable_tokens(apps, schema_editor):
    # Before this migration nothing authenticated with a token, so any stored token could not be used;
    # each token now needs its own service user, which an old one never had.
    apps.get_model("accounts", "ApiToken").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_candidates")]

    operations = [
        migrations.RunPython(forget_unusable_tokens, migrations.RunPython.noop),
        migrations.AddField(
            model_name="apitoken",
            name="user",
            field=models.OneToOneField(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="api_token",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
    ]
