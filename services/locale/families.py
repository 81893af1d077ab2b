"""pt_BR for User Products families on the linked products and variation mapping screens."""

PT_BR = {
    "Title / family": "Título / família",
    "family {family}": "família {family}",
    "user product {id}": "produto do usuário {id}",
    "Family": "Família",
    "{listings} listings, {products} user products (User Products model)": "{listings} anúncios, {products} produtos do usuário (modelo Produtos do usuário)",
    "Listing in the family": "Anúncio da família",
    "User product": "Produto do usuário",
    "ERP products": "Produtos ERP",
    "{codes} (one per listing, without compositions)": "{codes} (um por anúncio, sem composições)",
}
