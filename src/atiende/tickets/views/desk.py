from django.http import HttpResponse


def queue(request):
    return HttpResponse("desk")


def new_ticket(request):
    return HttpResponse("new")
