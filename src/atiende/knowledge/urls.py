from django.urls import path

from .views import portal

app_name = "knowledge"
urlpatterns = [
    path("", portal.home, name="home"),
    path("search/", portal.search, name="search"),
    path("suggest/", portal.suggest, name="suggest"),
    path("category/<int:category_id>/", portal.category, name="category"),
    path("<int:article_id>/", portal.article, name="article"),
    path("<int:article_id>/feedback/", portal.feedback, name="feedback"),
    path("<int:article_id>/solved/", portal.solved, name="solved"),
    path("attachments/<int:attachment_id>/", portal.attachment, name="attachment"),
    path("attachments/<int:attachment_id>/preview/", portal.attachment_preview, name="preview"),
]
