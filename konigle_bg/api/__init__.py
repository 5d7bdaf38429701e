"""konigle_bg's REST API (Django REST framework), mounted by the host under e.g. /api/bg/."""
