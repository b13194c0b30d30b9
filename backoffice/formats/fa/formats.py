"""Persian: Django's formats, with amounts grouped by thousands as in English (1,250.50);
Django's own Persian formats group no digits."""

from django.conf.locale.fa.formats import *  # noqa: F403

NUMBER_GROUPING = 3
