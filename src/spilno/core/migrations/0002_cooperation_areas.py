"""The starting taxonomy of cooperation areas: the areas the December 2020 U.S.-Ukraine meeting
listed for a bilateral framework agreement on defence cooperation (seed 000)."""

from django.db import migrations

AREAS = [
    ("defence-reform", "Defence reform", "Оборонна реформа"),
    ("personnel-policy", "Personnel policy", "Кадрова політика"),
    (
        "combat-capabilities",
        "Development of combat capabilities of the Armed Forces",
        "Розвиток бойових спроможностей Збройних Сил",
    ),
    (
        "provision-and-armament",
        "Comprehensive provision and armament of troops",
        "Всебічне забезпечення та озброєння військ",
    ),
    (
        "defence-industry-reform",
        "Reform of the defence industry",
        "Реформування оборонної промисловості",
    ),
    ("unit-training", "Training of military units", "Підготовка військових частин"),
    ("military-education", "Military education", "Військова освіта"),
    (
        "defence-technology",
        "Science and development of defence technologies",
        "Наука та розвиток оборонних технологій",
    ),
    (
        "medical-rehabilitation",
        "Treatment and rehabilitation of wounded servicemen",
        "Лікування та реабілітація поранених військовослужбовців",
    ),
    (
        "social-protection",
        "Social protection of veterans, servicemen and their families",
        "Соціальний захист ветеранів, військовослужбовців та членів їхніх сімей",
    ),
    (
        "international-formats",
        "Mutual participation in international formats of cooperation",
        "Взаємна участь у міжнародних форматах співпраці",
    ),
    (
        "other",
        "Other issues important for defence capabilities",
        "Інші питання, важливі для обороноздатності",
    ),
]


def seed(apps, schema_editor):
    Area = apps.get_model("core", "CooperationArea")
    for position, (slug, en, uk) in enumerate(AREAS, start=1):
        Area.objects.update_or_create(
            slug=slug, defaults={"name_en": en, "name_uk": uk, "position": position}
        )


def unseed(apps, schema_editor):
    apps.get_model("core", "CooperationArea").objects.filter(
        slug__in=[a[0] for a in AREAS]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
