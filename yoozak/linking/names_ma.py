"""Moroccan names (frequency weights, transliteration variants) and address vocabulary.

Pure data module.  Each line reads ``Display weight [sex] | variant, variant``: the display
spelling is the canonical one, the weight is a relative frequency (skewed like the real
population: Mohamed, Fatima, Alaoui, Benali... are very common), the variants are other
Latin spellings of the *same* name seen in call-centre data.  Names that merely look alike
(Fatima/Fatiha, Samir/Samira, Amine/Amina, Said/Saad) are separate entries on purpose:
they are different people.
"""

from __future__ import annotations

_FIRST_NAMES = """
Mohamed 900 m | Mohammed, Muhammad, Mohamad, Mohammad, Mouhamed, Muhammed, Mohamet, Mhammed
Ahmed 260 m | Ahmad, Hmed
Youssef 240 m | Youssouf, Yusuf, Yousef, Youcef, Yussef, Youssof
Abdelkader 60 m | Abd El Kader, Abdelkadir, Abdelqader, Abdulkader, Abdel Kader
Abdellah 140 m | Abdallah, Abdullah, Abd Allah
Abderrahim 70 m | Abderahim, Abdelrahim, Abdurrahim, Abd Errahim
Abderrahmane 60 m | Abderahmane, Abdelrahman, Abdurrahman, Abderrahman
Abdelaziz 55 m | Abdul Aziz, Abdelazize, Abd El Aziz
Abdelali 40 m | Abdelaali, Abd El Ali
Abdelhak 35 m | Abdelhaq, Abdelhakk
Abdelilah 40 m | Abdelillah, Abdelilah
Abdeslam 45 m | Abdessalam, Abdesslam, Abdsalam, Abdeslem
Abdessamad 35 m | Abdelsamad, Abdessamed, Abdsamad
Abdelmajid 30 m | Abdelmajide, Abdelmadjid
Abdelhamid 30 m | Abdelhamide, Abdulhamid
Abdelghani 30 m | Abdelghany, Abdelgani
Abdelkrim 35 m | Abdelkarim, Abdelkerim
Abdelfattah 25 m | Abdelfatah, Abdelfettah
Abdelouahed 25 m | Abdelwahed, Abdelouahid, Abdelwahid
Hicham 120 m | Hisham, Hichem, Hichame
Said 130 m | Saeed, Sayed, Saaid
Saad 50 m | Saâd
Rachid 140 m | Rashid, Rachide, Rached
Mustapha 120 m | Moustapha, Mostafa, Mustafa, Moustafa
Omar 110 m | Oumar, Umar, Omer
Karim 100 m | Kareem, Karime
Khalid 110 m | Khaled, Khalide
Hassan 130 m | Hasan, Hassane, Hacen
Hussein 40 m | Houssein, Hussain, Houcine, Hossein
Driss 70 m | Idriss, Idris, Dris
Brahim 70 m | Ibrahim, Ebrahim, Brahime
Ismail 60 m | Smail, Ismael, Ismaïl, Esmail
Yassine 120 m | Yacine, Yassin, Yasin, Yacin
Amine 110 m | Amin, Ameen
Mehdi 90 m | Mahdi, Mahdy
Hamza 100 m | Hamzah, Hamzaa
Anas 70 m | Annas, Ennas
Ayoub 90 m | Ayyoub, Ayub, Aiyoub
Bilal 60 m | Belal, Billal
Othmane 70 m | Otmane, Outhmane, Othman, Osman, Otman
Zakaria 70 m | Zakariya, Zakarya, Zacharia, Zakariae
Ilyas 50 m | Ilias, Elyas, Elias, Iliass
Adil 70 m | Adel, Aadil
Nabil 60 m | Nabile
Jamal 80 m | Djamal, Gamal, Jamale
Aziz 50 m | Azize
Hakim 40 m | Hakime, Hakeem
Tarik 60 m | Tariq, Tarek, Tareq
Noureddine 60 m | Nour Eddine, Nourdine, Nureddine, Nour-Eddine, Noureddin
Badr 40 m | Badre, Bader
Soufiane 70 m | Sofiane, Sufyan, Soufian, Sofian
Reda 60 m | Rida, Ridha, Redha
Hamid 60 m | Hameed
Mounir 50 m | Munir, Mounire
Jawad 50 m | Jaouad, Djawad
Younes 80 m | Younesse, Yunus, Younous, Younness
Ali 80 m | Aly
Salah 40 m | Salaheddine, Salah Eddine
Fouad 40 m | Fuad, Fouade
Taha 35 m |
Walid 50 m | Oualid, Waleed
Marouane 50 m | Marwane, Marwan, Merouane, Marouan
Lahcen 60 m | Lhassan, Lahsen, Lahssen
Lhoussaine 30 m | Lhoussain, Lhoucine, Lhousseine
Mbarek 40 m | Mubarak, Embarek, Mobarek
Abdelmoula 20 m | Abdelmoulla
Boubker 30 m | Boubaker, Aboubakr, Boubakr, Bouker
Tawfiq 30 m | Taoufik, Toufik, Tawfik, Taoufiq
Nizar 30 m | Nizare
Zouhair 35 m | Zouheir, Zuhair, Zohair
Kamal 45 m | Kamel, Kamale
Mourad 45 m | Murad, Mourade
Chakib 20 m | Shakib, Chakibe
Hatim 25 m | Hatem, Haatim
Anouar 30 m | Anwar, Anwer
Yahya 35 m | Yahia, Yehia
Adnane 30 m | Adnan, Adnaan
Issam 30 m | Essam, Issame
Samir 70 m | Sameer, Samire
Farid 40 m | Fareed, Faride
Malik 25 m | Malek, Malick
Salim 35 m | Saleem, Slim
Khalil 30 m | Khalile
Jalil 20 m | Djalil
Habib 25 m | Habibe
Naim 20 m | Naïm, Naeem
Mohcine 50 m | Mohsine, Mohsin, Mouhcine, Mohssine
Fatima 700 f | Fatema, Fatimah, Fatma, Fetouma
Fatiha 120 f | Fatihah, Fatiya
Khadija 260 f | Khadidja, Khadeeja, Khadija, Khdija
Zineb 160 f | Zaynab, Zainab, Zeineb, Zeinab, Zinab
Aicha 180 f | Aisha, Aïcha, Aichah, Ayesha, Aïsha
Meryem 150 f | Maryam, Mariam, Meriem, Myriam, Meryam
Salma 110 f | Selma, Salmah
Nadia 110 f | Nadiya, Nadya
Naima 110 f | Naïma, Naeema, Naimah
Malika 100 f | Malicka, Maleka
Samira 90 f | Sameera, Samirah
Amina 120 f | Aminah, Ameena, Amena
Hanane 90 f | Hanan, Hanaane
Imane 140 f | Iman, Imaane, Eman, Imen
Siham 80 f | Sihame, Seham
Latifa 70 f | Latefa, Latifah
Karima 70 f | Kerima, Karimah
Hakima 50 f | Hakimah
Saida 80 f | Saïda, Saeeda
Rachida 80 f | Rashida, Rachidah
Jamila 60 f | Djamila, Jamilah, Jamela
Hayat 60 f | Hayate
Houda 60 f | Hoda, Huda
Nora 60 f | Noura, Nura, Norah
Sanaa 90 f | Sanae, Sana, Sanâa
Chaimae 90 f | Chaimaa, Shaimaa, Chaima, Chaymae, Shaima
Wafae 60 f | Ouafae, Wafaa, Wafa, Ouafaa, Ouafa
Wiam 40 f | Ouiam, Wiame, Ouiame
Hajar 90 f | Hajare, Hadjar, Hagar
Asmae 80 f | Asmaa, Asma, Esma
Soukaina 70 f | Soukayna, Sukaina, Soukaïna, Soukeina
Ghizlane 60 f | Ghizlan, Rhizlane, Ghislane
Kawtar 60 f | Kaoutar, Kaouthar, Kawthar, Kaoutare
Loubna 50 f | Lubna, Loubnah
Mouna 40 f | Muna, Mona
Sara 110 f | Sarah, Sarra
Yasmine 80 f | Yasmina, Yassmine, Jasmine, Yasmin
Hind 40 f | Hinde
Ikram 50 f | Ikrame, Ekram
Najat 45 f | Najate, Nadjat
Rajae 45 f | Rajaa, Raja
Bouchra 60 f | Bushra, Bouchrah
Laila 60 f | Leila, Layla, Leyla
Btissam 40 f | Ibtissam, Ebtissam, Btisam
Nawal 40 f | Naoual, Nawale
Souad 50 f | Suad, Souade
Zahra 60 f | Zohra, Zahrae, Ezzahra
Hafsa 50 f | Hafssa, Hafsah
Ilham 40 f | Elham, Ilhame
Oumaima 60 f | Oumaima, Umayma, Oumayma, Omaima
Nisrine 40 f | Nesrine, Nisrin, Nesrin
Widad 40 f | Ouidad, Wedad
Manal 40 f | Manale
Safae 40 f | Safaa, Safa
Dounia 45 f | Dunia, Donia, Dounya
Rania 40 f | Rania, Raniya
Majda 35 f | Majdah
Fadoua 35 f | Fadwa, Fadwa
Ghita 40 f | Rhita, Ghyta
Nassima 30 f | Nasima, Nessima
Samia 40 f | Samiya, Sameya
Touria 40 f | Thouria, Turia, Thuraya
Zoubida 25 f | Zubida, Zoubaida
Halima 40 f | Haleema, Halimah
Rkia 30 f | Rekia, Ruqaya, Rokia, Roukia
Mina 40 f | Meena
Habiba 30 f | Habibah
Kenza 50 f | Kenzah
Lamia 35 f | Lamiaa, Lamya
Amal 50 f | Amale, Aamal
Fouzia 45 f | Fawzia, Fouzya
Hasna 40 f | Hasnae, Hasnaa, Hassna
Ibtihal 25 f | Ebtihal
Nouhaila 40 f | Nouhayla, Nuhaila, Nohaila
Douae 35 f | Douaa, Doua, Dua
Salwa 30 f | Saloua, Salwah
Jihane 35 f | Jihan, Jehane
Maha 30 f |
Ouassima 20 f | Wassima, Ouassimah
Sophia 40 f | Sofia, Soufia, Sofya
Ines 40 f | Inès, Iness
Rim 30 f | Rime, Reem
Assia 30 f | Asia, Assiya
Nabila 40 f | Nabilah
Aziza 35 f | Azizah
Farida 40 f | Fareeda
Salima 30 f | Salimah
Jalila 20 f | Djalila
Hamida 25 f | Hamidah
Mounia 40 f | Monia, Mouniya
Zakia 30 f | Zakiya, Zakiyya
Fatna 30 f | Fatena
"""

_LAST_NAMES = """
Alaoui 300 | Alaoui, Alawi, Alaouy, El Alaoui, Elalaoui
Benali 220 | Ben Ali, Ben-Ali, Benaly
Idrissi 200 | Idrisi, El Idrissi, Elidrissi
El Amrani 160 | Elamrani, Al Amrani, El-Amrani, Amrani, Lamrani
Bennani 150 | Benani, Ben Nani
Tazi 120 | Tazy
Berrada 110 | Berada, Berradah
El Fassi 110 | Elfassi, Fassi, Al Fassi, El-Fassi
Chraibi 100 | Chraïbi, Chraybi, Shraibi
Benjelloun 100 | Ben Jelloun, Benjeloun, Bendjelloun
Ouazzani 100 | Wazzani, Ouazani, El Ouazzani
Tahiri 95 | Tahiry, Ettahiri, Et-Tahiri
Bouzid 90 | Bouzide, Bou Zid
Filali 90 | El Filali, Elfilali, Filaly
Naciri 85 | Nasiri, Nassiri, Ennaciri
Lahlou 80 | Lahlu
Kettani 80 | Ketani, El Kettani
Sqalli 60 | Skalli, Sekkali, Sqali
Benkirane 80 | Ben Kirane, Benkiran
Bakkali 80 | Bakali, El Bakkali, Elbakkali
Hajji 80 | Hadji, Haji, El Hajji
Cherkaoui 85 | Charkaoui, Cherkawi, Cherqaoui
Mansouri 85 | Mansoury, El Mansouri, Elmansouri
Rahmouni 60 | Rahmoune, Rahmouny
Zerouali 60 | Zeroual, Zarouali
Saidi 80 | Saïdi, Essaidi, Es-Saidi
Ghazi 50 | Ghazy, El Ghazi
Slaoui 70 | Slawi, Sellaoui
Sefrioui 55 | Sefriwi, Sfrioui
Benmoussa 60 | Ben Moussa, Benmousa, Benmussa
Benabdellah 60 | Ben Abdellah, Benabdallah
Tounsi 60 | Ettounsi, Tunsi, Et-Tounsi
Jabri 55 | Jabry, El Jabri
Hilali 60 | El Hilali, Elhilali, Hilaly
Karimi 55 | Karimy, El Karimi
Rami 40 | Rammi
Ziani 60 | Zayani, Ezziani
Belhaj 65 | Bel Haj, Belhadj, Belhajj
Benjeddi 30 | Ben Jeddi
Lamrini 40 | Lamrine, El Amrini
Sebti 45 | Sabti, Es-Sebti
Ouali 45 | Wali, El Ouali, Elouali
Haddad 60 | Hadad, El Haddad
Bouazza 45 | Bouaza, Bou Azza
Boukili 40 | Bouqili
Azzouzi 55 | Azouzi, Ezzouzi
Raji 40 | Raji, Rajy
Khalfi 45 | Khalfy, El Khalfi
Mouline 35 | Moulin, Mouline
Bouhaddou 40 | Bouhadou
Ait Ali 60 | Aitali, Ait-Ali, Aït Ali
Ait Brahim 50 | Aitbrahim, Ait-Brahim, Aït Brahim
Ait Lahcen 45 | Aitlahcen, Ait Lhassan
Ait Ouahmane 30 | Ait Wahmane, Aitouahmane
Ait Said 40 | Aitsaid, Aït Saïd
Ouahbi 40 | Wahbi, Ouahbie
Benchekroun 50 | Ben Chekroun, Benchekroune
Benslimane 50 | Ben Slimane, Benslimane
Bensaid 50 | Ben Said, Bensaïd
Benomar 45 | Ben Omar, Ben-Omar
Benyahya 40 | Ben Yahya, Benyahia
Benhaddou 45 | Ben Haddou, Benhadou
Benkhaldoun 25 | Ben Khaldoun
Bouchta 30 | Bouchtta
Boussaid 45 | Bou Said, Boussaïd
Boutaleb 40 | Bou Taleb, Boutalib
Chami 40 | Chamy, Shami, Echami
Chaoui 55 | Chawi, Echaoui
Daoudi 55 | Dawdi, Daoudy
Douiri 35 | Douiry, Dwiri
El Ouardi 35 | Elouardi, Ouardi, El Wardi
El Kadiri 45 | Elkadiri, Kadiri, El Qadiri
El Khatib 45 | Elkhatib, Khatib, Al Khatib
El Hassani 50 | Elhassani, Hassani, El Hasani
El Mokhtari 35 | Elmokhtari, Mokhtari
El Bouzidi 30 | Elbouzidi, Bouzidi
Essafi 35 | Safi, Es-Safi
Fikri 40 | Fikry, Fekri
Guessous 40 | Gessous, Guesous
Hamdaoui 40 | Hamdawi, El Hamdaoui
Harrak 30 | Harak, El Harrak
Jazouli 40 | Jazuli, El Jazouli, Guezouli
Kabbaj 45 | Kabaj, Qabbaj
Lazrak 40 | Lazraq, El Azrak
Laaroussi 35 | Laroussi, El Aroussi
Lamghari 30 | Lemghari, El Maghari
Maazouz 30 | Mazouz, Maazouze
Mekouar 30 | Mekwar, Mekkouar
Mernissi 35 | Mernisi, El Mernissi
Moussaoui 50 | Moussawi, Mousaoui
Naji 40 | Naji, Najy
Ouchen 25 | Ouchene, Wchen
Ouhaddou 35 | Ouhadou, Wahaddou
Rhazi 30 | Razi
Sbai 40 | Sbaï, Esbai, Sebai
Semlali 30 | Semlaly, Smlali
Soussi 45 | Sousi, Essoussi
Taibi 40 | Taïbi, Tayebi, Tayibi
Tijani 40 | Tidjani, Ettijani, Tijany
Yacoubi 40 | Yaacoubi, Yakoubi, Yaqoubi
Zaki 35 | Zaky
Zemmouri 30 | Zemouri, Zammouri
Zniber 30 | Znibar
Berrahou 25 | Berahou
Bennis 45 | Bennis, Benis
Bouabid 35 | Bou Abid, Bouabide
Chafai 30 | Chafaï, Chafii, Echafai
Dahbi 35 | Dehbi, Ed-Dahbi
Ennaji 40 | En-Naji
Fadili 35 | El Fadili, Fadily
Ghanem 30 | Ghanim
Habibi 40 | Habiby, El Habibi
Alami 120 | El Alami, Elalami, Allami, Alamy
Jaidi 30 | Jaïdi, Jaydi
Kasmi 35 | Qasmi, El Kasmi
Lahrichi 30 | Lahrishi
Marzouki 30 | Marzougui, El Marzouki
Nejjar 35 | Najjar, Nejar, En-Nejjar
Oudghiri 40 | Oudghiry
Rifi 40 | Errifi
Sahraoui 45 | Sahrawi, Essahraoui
Touimi 25 | Touimy, Twimi
Yousfi 45 | Youssfi, Yusfi, El Yousfi
Zahiri 30 | Zahiry
Achour 35 | Achoure, Ashour
Aboulfath 20 | Abou El Fath, Aboul Fath
Ait Taleb 30 | Aittaleb, Ait-Taleb
Amghar 40 | Amrhar, Amghare
Arabi 35 | El Arabi, Larabi, Elarabi
Baddou 30 | Badou
Belkadi 35 | Bel Kadi, Belqadi
Bousfiha 25 | Bousfiya
Charif 30 | Cherif, Echarif, Chérif
Fassi Fihri 30 | Fassifihri, El Fassi Fihri
Gharbi 40 | Gharby, El Gharbi
Hammoumi 35 | Hamoumi, Hammoumy
Iraqi 35 | Iraki, El Iraqi
Lakhdar 30 | Lakhdhar, Lakhdare
Mrabet 35 | Mrabat, Lmrabet, El Mrabet
Ouafi 25 | Wafi, El Ouafi
Qorchi 25 | Korchi, Kourchi
Rahali 35 | Rahaly, Errahali
Sadiki 35 | Saddiki, Es-Sadiki, Sadiqi
Talbi 35 | Taleby, Ettalbi
Akhannouch 20 | Akhanouch, Akhennouch
Amzil 30 | Amzile
Boujida 25 | Boujidah
Chahid 35 | Shahid, Chahide
Derkaoui 30 | Darkaoui, Derqaoui
Elkhayat 25 | El Khayat, Khayat, El Khayyat
Fartat 20 | Fertat
Ghallab 25 | Ghalab, Rhallab
Hamdani 30 | Hamdany, El Hamdani
Jouhari 30 | Jouhary, El Jouhari
Kharbouch 25 | Kharbouche
Louafi 25 | Loafi, Louafy
Mesbahi 30 | Misbahi, El Mesbahi
Nouri 35 | Nouri, Nuri, Ennouri
Ouardighi 20 | Wardighi
Regragui 30 | Regraguy, Ragragui
Serghini 30 | Sarghini, Serghiny
Temsamani 30 | Temsamany, Timsamani
Zouiten 25 | Zwiten, Zouitene
Bouayad 25 | Bou Ayad
El Yazidi 30 | Elyazidi, Yazidi
Amraoui 35 | Amrawi, El Amraoui
Benmansour 35 | Ben Mansour, Benmansur
Abbadi 30 | Abadi, El Abbadi
"""


def _parse(block: str, with_sex: bool) -> list[tuple[str, int, str, tuple[str, ...]]]:
    """Parse one data block into (display, weight, sex, variants); weight-0 lines are skipped."""
    rows = []
    for line in block.strip().splitlines():
        head, _, tail = line.partition("|")
        parts = head.split()
        sex = parts.pop() if with_sex else ""
        weight = int(parts.pop())
        display = " ".join(parts)
        variants = tuple(v.strip() for v in tail.split(",") if v.strip() and v.strip() != display)
        rows.append((display, weight, sex, variants))
    return rows


#: (display, weight, sex, variants) for first names; sex is "m" or "f".
FIRST_NAMES: list[tuple[str, int, str, tuple[str, ...]]] = _parse(_FIRST_NAMES, True)
#: (display, weight, "", variants) for last names.
LAST_NAMES: list[tuple[str, int, str, tuple[str, ...]]] = _parse(_LAST_NAMES, False)

#: Compound first names that call centres type in one word; split before lookup.
COMPOUND_SPLITS: dict[str, str] = {
    "fatimazahra": "fatima zahra",
    "fatimaezzahra": "fatima zahra",
    "fatimazohra": "fatima zahra",
    "mohamedamine": "mohamed amine",
    "mohammedamine": "mohamed amine",
    "mohamedali": "mohamed ali",
    "mohamedreda": "mohamed reda",
    "mohamedyassine": "mohamed yassine",
    "abdelkarim": "abdelkrim",
}

#: Particles that belong to the next word ("el amrani" == "elamrani").
#: Each maps to its canonical attached spelling.
PARTICLES: dict[str, str] = {
    "el": "el",
    "al": "el",
    "il": "el",
    "ul": "el",
    "l": "el",
    "es": "es",
    "ez": "ez",
    "et": "et",
    "er": "er",
    "ed": "ed",
    "en": "en",
    "ech": "ech",
    "ben": "ben",
    "bin": "ben",
    "ibn": "ben",
    "bel": "bel",
    "bou": "bou",
    "abou": "abou",
    "abu": "abou",
    "ait": "ait",
    "ayt": "ait",
    "ould": "ould",
    "oulad": "oulad",
    "ouled": "oulad",
    "abd": "abd",
    "abdel": "abdel",
    "abdal": "abdel",
    "abdul": "abdel",
    "abdoul": "abdel",
}

#: Courtesy titles the call centre sometimes types; they carry no identity.
TITLES: frozenset[str] = frozenset(
    {
        "m",
        "mr",
        "mrs",
        "ms",
        "mme",
        "mlle",
        "madame",
        "monsieur",
        "mademoiselle",
        "dr",
        "sr",
        "miss",
        "mister",
    }
)

# --------------------------------------------------------------------------- addresses

#: Street and building words -> canonical short form (French, Darija and the call centre's
#: abbreviations).  Canonical forms map to themselves so that normalising is idempotent.
ADDRESS_WORDS: dict[str, str] = {
    **dict.fromkeys(("rue", "r", "zenka", "zanka", "znqa"), "rue"),
    **dict.fromkeys(("av", "avenue", "ave", "avn", "aven", "avenu"), "av"),
    **dict.fromkeys(("bd", "boulevard", "blvd", "bld", "boul", "bvd", "blvrd"), "bd"),
    **dict.fromkeys(("res", "residence", "residance", "resid", "rsd", "resi"), "res"),
    **dict.fromkeys(("imm", "immeuble", "immb", "im", "imb", "immeub"), "imm"),
    **dict.fromkeys(("apt", "appartement", "appart", "appt", "app", "apprt", "apart"), "apt"),
    **dict.fromkeys(("etage", "etg", "etge"), "etage"),
    **dict.fromkeys(("hay", "hai", "hayy", "quartier", "qt", "qrt", "qtr", "quart", "hy"), "hay"),
    **dict.fromkeys(("lot", "lotissement", "lots", "lotis", "lotiss"), "lot"),
    **dict.fromkeys(("derb", "drb"), "derb"),
    **dict.fromkeys(("bloc", "blc", "block", "bl"), "bloc"),
    **dict.fromkeys(("route", "rte"), "route"),
    **dict.fromkeys(("imp", "impasse"), "imp"),
    **dict.fromkeys(("villa", "vla"), "villa"),
    **dict.fromkeys(("secteur", "sect"), "secteur"),
    **dict.fromkeys(("moulay", "my"), "moulay"),
    **dict.fromkeys(("mohammed", "mohamed", "mohammad", "mohamad", "muhammad", "med", "mohd"), "mohammed"),
    **dict.fromkeys(("centreville", "centre", "center", "centr"), "centreville"),
    **dict.fromkeys(("relais", "relai", "relay"), "relais"),
    **dict.fromkeys(("societe", "ste", "sarl"), "societe"),
}
#: Words that carry nothing: articles, prepositions, number markers, ordinal suffixes.
ADDRESS_FILLER: frozenset[str] = frozenset(
    (
        "de",
        "du",
        "des",
        "la",
        "le",
        "les",
        "l",
        "d",
        "el",
        "al",
        "a",
        "au",
        "aux",
        "et",
        "en",
        "sur",
        "pres",
        "cote",
        "face",
        "chez",
        "n",
        "no",
        "num",
        "numero",
        "nr",
        "ndeg",
        "deg",
        "er",
        "ere",
        "eme",
        "em",
        "e",
        "bis",
        "ter",
        "maroc",
        "morocco",
        "adresse",
        "domicile",
    )
)
#: Two-word place names (after the word map) glued into one token.
ADDRESS_PHRASES: dict[tuple[str, str], str] = {
    ("centreville", "ville"): "centreville",
    ("beni", "mellal"): "benimellal",
    ("dar", "beida"): "casablanca",
    ("point", "relais"): "relais",
}
#: City spellings -> canonical city; cities say where, never which door.
ADDRESS_CITIES: dict[str, str] = {
    **dict.fromkeys(("casablanca", "casa", "darbeida"), "casablanca"),
    **dict.fromkeys(("fes", "fez", "fass"), "fes"),
    **dict.fromkeys(("marrakech", "marrakesh", "marrakch", "kech"), "marrakech"),
    **dict.fromkeys(("tanger", "tangier", "tanja", "tangiers"), "tanger"),
    **dict.fromkeys(("sale", "sla"), "sale"),
    **dict.fromkeys(("tetouan", "tetuan", "titwan"), "tetouan"),
    **dict.fromkeys(("jadida", "eljadida"), "jadida"),
    **{
        c: c
        for c in (
            "rabat",
            "agadir",
            "meknes",
            "oujda",
            "kenitra",
            "temara",
            "safi",
            "nador",
            "benimellal",
            "mohammedia",
            "khouribga",
            "settat",
            "larache",
            "taza",
        )
    },
}
#: Kings' names followed by a regnal number in street names ("Bd Mohammed V", "Av Hassan II").
ADDRESS_KINGS: frozenset[str] = frozenset(("mohammed", "hassan"))
ADDRESS_ROMAN: dict[str, str] = {
    "i": "1",
    "ii": "2",
    "iii": "3",
    "iv": "4",
    "v": "5",
    "vi": "6",
    "1": "1",
    "2": "2",
    "3": "3",
    "4": "4",
    "5": "5",
    "6": "6",
}

#: Generator data: street names, neighbourhoods and residence names seen in Moroccan cities.
STREETS: tuple[str, ...] = tuple(
    """
Mohammed V|Hassan II|Zerktouni|Abdelmoumen|Al Massira|Ibn Sina|Ibn Battouta|Oued Sebou|Moulay Youssef
Allal Ben Abdellah|Anoual|Al Qods|Moulay Ismail|Ibn Rochd|Al Farabi|Tarik Ibn Ziad|Oqba Ibn Nafii
Ibn Khaldoun|Al Mansour Eddahbi|Moulay Rachid|Abou Bakr Seddik|Sidi Mohammed Ben Abdellah|Oued Ziz
Al Amir Moulay Abdellah|Mohammed VI|Al Fida|Al Joulane|Ghandi|Lalla Yacout|Mers Sultan|Oum Rabii
Bir Anzarane|Al Wahda|Annasr|Al Majd|Chefchaouni|Ibn Tofail|Omar Ibn Khattab|Al Moukawama|Tadla
Jbel Toubkal|Al Houria|Al Andalous|Abdelkrim Khattabi|Okba|Al Kods|Ennakhil|Yacoub El Mansour
""".replace("\n", "|")
    .strip("|")
    .split("|")
)
NEIGHBOURHOODS: tuple[str, ...] = tuple(
    """
Maarif|Hay Mohammadi|Sidi Maarouf|Ain Sebaa|Hay Hassani|Sidi Bernoussi|Ain Chock|Oulfa|Bourgogne
Agdal|Hay Riad|Yacoub El Mansour|Takaddoum|Youssoufia|Gueliz|Daoudiate|Massira|Sidi Youssef Ben Ali
Saiss|Zouagha|Narjiss|Ben Souda|Bensouda|Malabata|Beni Makada|Dchar Ben Dibane|Hay Salam|Dakhla
Talborjt|Tilila|Hay Nahda|Lamhamid|Sidi Moumen|Derb Sultan|Hay Karima|Bettana|Tabriquet|Al Qods
""".replace("\n", "|")
    .strip("|")
    .split("|")
)
RESIDENCES: tuple[str, ...] = tuple(
    """
Al Amal|Nour|Al Yasmine|Les Jardins|Al Boustane|Riad Salam|Annour|Al Manar|Ennasr|Al Wafa|Zohour
Badr|Al Fath|Kawtar|Assafaa|Al Mostakbal|Firdaous|Al Inbiaat|Dar Essalam|Yasmina|Al Andalous|Chems
""".replace("\n", "|")
    .strip("|")
    .split("|")
)
