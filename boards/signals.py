"""Changes to days, rooms and slots (from the admin or a command) refresh the boards.

Card writes go through boards.services, which bump the version themselves; the
chair's edits of the grid come through many admin paths, so they are caught here.
"""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from boards.models import Day, Room, Slot
from boards.services.grid import bump_board_versions


@receiver([post_save, post_delete], sender=Day)
def day_changed(sender, instance: Day, **kwargs) -> None:
    bump_board_versions(instance.pk)


@receiver([post_save, post_delete], sender=Slot)
def slot_changed(sender, instance: Slot, **kwargs) -> None:
    bump_board_versions(instance.day_id)


@receiver([post_save, post_delete], sender=Room)
def room_changed(sender, instance: Room, **kwargs) -> None:
    bump_board_versions(*Day.objects.values_list("pk", flat=True))
