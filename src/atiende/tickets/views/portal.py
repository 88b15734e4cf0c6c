from django.http import HttpResponse


def home(request):
    return HttpResponse("portal")


def new_ticket(request):
    return HttpResponse("new")
