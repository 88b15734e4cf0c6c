import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('changes', '0010_approval_for_any_ticket'),
    ]

    operations = [
        migrations.AlterField(
            model_name='approval',
            name='ticket',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='approvals', to='tickets.ticket', verbose_name='ticket'),
        ),
    ]
