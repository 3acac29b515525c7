"""The web pages: server-rendered HTML for patients, caregivers, MS teams and admins.

Pages call the same use cases as the API (`ofacare.services`) and render them with Jinja2; forms
post plainly and work without JavaScript, HTMX only makes some of them quicker.
"""
